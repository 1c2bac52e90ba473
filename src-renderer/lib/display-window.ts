/** Window/level over 8-bit display values (PNG/JPEG images); DICOM windows live in @shared/imaging/voi. */
export interface DisplayWindow {
  center: number;
  width: number;
}

/** The identity window: every display value shown as it is. */
export const FULL_DISPLAY_WINDOW: Readonly<DisplayWindow> = { center: 127.5, width: 255 };
