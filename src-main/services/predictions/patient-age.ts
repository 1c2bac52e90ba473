/**
 * A patient's age in years at the study, from DICOM Patient's Age (AS: "086Y", "018M", "003W",
 * "020D") or else from the birth date and the study date (YYYYMMDD or YYYY-MM-DD). Null when
 * neither is recorded or readable.
 */
export function ageInYears(patientAge: string | null, birthDate: string | null, studyDate: string | null): number | null {
  const match = patientAge?.trim().match(/^(\d{1,3})\s*([DWMY])$/i);
  if (match) {
    const n = Number(match[1]);
    const perYear = { D: 365.25, W: 52.1775, M: 12, Y: 1 }[match[2]!.toUpperCase() as 'D' | 'W' | 'M' | 'Y'];
    return n / perYear;
  }
  const birth = parseDate(birthDate);
  const study = parseDate(studyDate);
  if (birth === null || study === null || study < birth) return null;
  return (study - birth) / (365.25 * 86_400_000);
}

function parseDate(value: string | null): number | null {
  const match = value?.trim().match(/^(\d{4})-?(\d{2})-?(\d{2})$/);
  if (!match) return null;
  const time = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(time) ? null : time;
}
