/*
 * The app's 8-bit JPEG decoder: libjpeg-turbo's decompressor built to WebAssembly, without
 * setjmp. A libjpeg error, or a warning about damaged data, calls the host's jpeg_fail, which
 * throws: the host then drops this instance (its stack and heap are left mid-decode) and makes a
 * fresh one for the next image.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include "jpeglib.h"

/* Imported from the host; never returns. */
__attribute__((import_module("env"), import_name("jpeg_fail"))) void jpeg_fail(const char *message);

static void fail_with_message(j_common_ptr cinfo) {
  char message[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, message);
  jpeg_fail(message);
}

/*
 * Damaged data stops the decode too (libjpeg would fill the rest with grey and go on): a viewer
 * must not show a half-invented image as the patient's.
 */
static void stop_on_warning(j_common_ptr cinfo, int msg_level) {
  if (msg_level < 0) fail_with_message(cinfo);
}

/*
 * Decodes one JPEG stream (8-bit baseline, extended or progressive) with libjpeg's defaults
 * (accurate integer IDCT, fancy upsampling, YCbCr or RGB guessed from the markers): the pixels
 * Pillow, libvips and turbojpeg give. One component gives grey, three give interleaved RGB.
 * info receives width, height and components. When width and height are given (not 0), a stream
 * of another size is refused before anything is allocated for its pixels: a forged header cannot
 * make the decoder reserve gigabytes. Returns the pixels, to be released with free().
 */
unsigned char *decode_jpeg(const unsigned char *data, unsigned long size, int *info, unsigned width, unsigned height) {
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr err;
  cinfo.err = jpeg_std_error(&err);
  err.error_exit = fail_with_message;
  err.emit_message = stop_on_warning;
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, size);
  jpeg_read_header(&cinfo, TRUE);
  if (width && height && (cinfo.image_width != width || cinfo.image_height != height)) {
    char message[96];
    snprintf(message, sizeof message, "the JPEG frame is %u × %u but the DICOM header says %u × %u", cinfo.image_width, cinfo.image_height, width, height);
    jpeg_fail(message);
  }
  if (cinfo.num_components != 1 && cinfo.num_components != 3) jpeg_fail("only 1- and 3-component JPEG is supported");
  cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  size_t stride = (size_t)cinfo.output_width * cinfo.output_components;
  unsigned char *out = malloc(stride * cinfo.output_height);
  if (!out) jpeg_fail("not enough memory for the decoded image");
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW rows[16];
    JDIMENSION count = 0;
    for (; count < 16 && cinfo.output_scanline + count < cinfo.output_height; count++) rows[count] = out + (cinfo.output_scanline + count) * stride;
    jpeg_read_scanlines(&cinfo, rows, count);
  }
  info[0] = (int)cinfo.output_width;
  info[1] = (int)cinfo.output_height;
  info[2] = cinfo.output_components;
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return out;
}
