/*
 * The app's JPEG 2000 decoder: OpenJPEG's API over a memory buffer, built to WebAssembly. OpenJPEG
 * reports errors through a callback and return codes (no longjmp); the first message is kept for
 * the host. A band of rows can be decoded alone (opj_set_decode_area: only the code-blocks that
 * band needs), which gives exactly the rows of a whole decode, so two threads can share one image.
 */
#include <openjpeg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const uint8_t *data;
  OPJ_SIZE_T size, pos;
} source_t;

static OPJ_SIZE_T source_read(void *out, OPJ_SIZE_T n, void *user) {
  source_t *s = user;
  if (s->pos >= s->size) return (OPJ_SIZE_T)-1;
  if (n > s->size - s->pos) n = s->size - s->pos;
  memcpy(out, s->data + s->pos, n);
  s->pos += n;
  return n;
}

static OPJ_OFF_T source_skip(OPJ_OFF_T n, void *user) {
  source_t *s = user;
  if (n < 0 ? (OPJ_SIZE_T)(-n) > s->pos : (OPJ_SIZE_T)n > s->size - s->pos) return -1;
  s->pos += n;
  return n;
}

static OPJ_BOOL source_seek(OPJ_OFF_T n, void *user) {
  source_t *s = user;
  if (n < 0 || (OPJ_SIZE_T)n > s->size) return OPJ_FALSE;
  s->pos = (OPJ_SIZE_T)n;
  return OPJ_TRUE;
}

static char message[256];
static void keep_first_error(const char *text, void *user) {
  (void)user;
  if (!message[0]) strncpy(message, text, sizeof message - 1);
}
static void ignore(const char *text, void *user) {
  (void)text;
  (void)user;
}

/* After a call: width, height, components, precision, signed. */
static int32_t info[5];
static uint8_t *pixels = NULL;

const char *j2k_error(void) { return message; }
int32_t *j2k_info(void) { return info; }
uint8_t *j2k_pixels(void) { return pixels; }

typedef struct {
  opj_codec_t *codec;
  opj_stream_t *stream;
  opj_image_t *image;
  source_t source;
} decoder_t;

static void close_decoder(decoder_t *d) {
  if (d->stream) opj_stream_destroy(d->stream);
  if (d->codec) opj_destroy_codec(d->codec);
  if (d->image) opj_image_destroy(d->image);
}

/* A raw codestream (what DICOM carries) or, now and then, a whole JP2 file. */
static int open_decoder(decoder_t *d, const uint8_t *data, uint32_t size) {
  memset(d, 0, sizeof *d);
  message[0] = 0;
  int jp2 = size >= 8 && data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 12 && data[4] == 'j' && data[5] == 'P';
  d->codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
  opj_set_error_handler(d->codec, keep_first_error, NULL);
  opj_set_warning_handler(d->codec, ignore, NULL);
  opj_set_info_handler(d->codec, ignore, NULL);
  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  d->source = (source_t){data, size, 0};
  d->stream = opj_stream_default_create(OPJ_TRUE);
  opj_stream_set_user_data(d->stream, &d->source, NULL);
  opj_stream_set_user_data_length(d->stream, size);
  opj_stream_set_read_function(d->stream, source_read);
  opj_stream_set_skip_function(d->stream, source_skip);
  opj_stream_set_seek_function(d->stream, source_seek);
  if (!opj_setup_decoder(d->codec, &parameters) || !opj_read_header(d->stream, d->codec, &d->image)) return 1;
  opj_image_t *image = d->image;
  if (image->numcomps == 0 || image->numcomps > 4) {
    strcpy(message, "the image has no components, or more than four");
    return 1;
  }
  info[0] = (int32_t)(image->x1 - image->x0);
  info[1] = (int32_t)(image->y1 - image->y0);
  info[2] = (int32_t)image->numcomps;
  info[3] = (int32_t)image->comps[0].prec;
  info[4] = (int32_t)image->comps[0].sgnd;
  return 0;
}

/*
 * Decodes rows [y0, y1) of the image (all of it when y1 is 0), refusing an image that is not
 * width x height (when given) before decoding anything. The samples are interleaved, one byte each
 * up to 8 bits of precision, else two (little endian); j2k_pixels() points at them until the next
 * call. 0 on success.
 */
int j2k_decode(const uint8_t *data, uint32_t size, uint32_t width, uint32_t height, uint32_t y0, uint32_t y1) {
  free(pixels);
  pixels = NULL;
  decoder_t d;
  int failed = open_decoder(&d, data, size);
  opj_image_t *image = d.image;
  if (!failed && width && height && ((uint32_t)info[0] != width || (uint32_t)info[1] != height)) {
    strcpy(message, "size");  /* the host words this one, with both sizes */
    failed = 1;
  }
  if (!failed && y1 && (y0 >= y1 || y1 > (uint32_t)info[1])) {
    strcpy(message, "the band of rows asked for is outside the image");
    failed = 1;
  }
  if (!failed && y1 && !opj_set_decode_area(d.codec, image, (OPJ_INT32)image->x0, (OPJ_INT32)(image->y0 + y0), (OPJ_INT32)image->x1, (OPJ_INT32)(image->y0 + y1))) failed = 1;
  if (!failed && (!opj_decode(d.codec, d.stream, image) || !opj_end_decompress(d.codec, d.stream))) failed = 1;
  if (!failed) {
    uint32_t n = image->numcomps, w = image->comps[0].w, h = image->comps[0].h;
    for (uint32_t c = 0; c < n && !failed; c++) {
      if (!image->comps[c].data || image->comps[c].w != w || image->comps[c].h != h || image->comps[c].prec != image->comps[0].prec) {
        strcpy(message, "the components differ in size or precision (subsampled components are not supported)");
        failed = 1;
      }
    }
    int wide = image->comps[0].prec > 8;
    size_t count = (size_t)w * h;
    if (!failed && !(pixels = malloc(count * n * (wide ? 2 : 1)))) {
      strcpy(message, "not enough memory for the decoded image");
      failed = 1;
    }
    for (uint32_t c = 0; c < n && !failed; c++) {
      const int32_t *plane = image->comps[c].data;
      if (wide) {
        uint16_t *out = (uint16_t *)pixels + c;
        for (size_t i = 0; i < count; i++) out[i * n] = (uint16_t)plane[i];
      } else {
        uint8_t *out = pixels + c;
        for (size_t i = 0; i < count; i++) out[i * n] = (uint8_t)plane[i];
      }
    }
    info[0] = (int32_t)w;
    info[1] = (int32_t)h;
  }
  if (failed && !message[0]) strcpy(message, "the codestream cannot be decoded");
  close_decoder(&d);
  return failed;
}
