const APP_TITLE = document.title || 'CXR Triage';

/** Names what is open in the window title (the task bar shows it); callers pass text privacy mode has already masked. */
export function setWindowSubject(subject: string | null): void {
  document.title = subject ? `${subject} · ${APP_TITLE}` : APP_TITLE;
}
