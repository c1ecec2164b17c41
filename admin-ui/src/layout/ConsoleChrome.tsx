import { useEffect, useRef } from 'react';
import { Alert } from '@mui/material';
import { useLocaleState, useRefresh, useTranslate } from 'react-admin';
import { reportApiHealth, useApiHealth } from '../providers/api-health';

// What the frame keeps true on every screen: the page's language and title follow the console's,
// and a banner says when the API cannot be reached or is slow.

/** How often the console asks whether an unreachable API is back. */
const RECHECK_MS = 3000;

export function ConsoleChrome() {
  return (
    <>
      <DocumentLanguage />
      <DocumentTitle />
      <ApiStatusBanner />
    </>
  );
}

/** `<html lang>` follows the chosen language, so screen readers and fonts pick the right one. */
function DocumentLanguage() {
  const [locale] = useLocaleState();
  useEffect(() => {
    document.documentElement.lang = locale === 'zh' ? 'zh-CN' : 'en';
  }, [locale]);
  return null;
}

/** The tab's title is the screen's title (react-admin draws it into #react-admin-title) and the app's name. */
function DocumentTitle() {
  const translate = useTranslate();
  const app = translate('cf.app.title');
  useEffect(() => {
    const update = () => {
      const screen = document.getElementById('react-admin-title')?.textContent?.trim();
      const title = screen && screen !== app ? `${screen} · ${app}` : app;
      if (document.title !== title) document.title = title;
    };
    update();
    const observer = new MutationObserver(update);
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    return () => observer.disconnect();
  }, [app]);
  return null;
}

/** Shown while the API is away or slow; once it answers again, every screen reloads its data. */
function ApiStatusBanner() {
  const translate = useTranslate();
  const refresh = useRefresh();
  const health = useApiHealth();
  const was = useRef(health);
  useEffect(() => {
    if (was.current !== 'ok' && health === 'ok') refresh();
    was.current = health;
    if (health !== 'down') return;
    const timer = setInterval(() => {
      fetch('/healthz', { cache: 'no-store' }).then(
        (res) => res.ok && reportApiHealth({ reached: true }),
        () => undefined,
      );
    }, RECHECK_MS);
    return () => clearInterval(timer);
  }, [health, refresh]);
  if (health === 'ok') return null;
  return (
    <Alert severity={health === 'down' ? 'error' : 'warning'} role="status" sx={{ mb: 1 }} data-testid={`api-${health}`}>
      {translate(health === 'down' ? 'cf.api_status.down' : 'cf.api_status.slow')}
    </Alert>
  );
}
