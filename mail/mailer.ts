import nodemailer from 'nodemailer';

// The one way Cardflow sends email (people's notifications, buyers' delivery links). SMTP_URL
// names the server (smtp://user:password@host:587, smtps:// for TLS from the first byte);
// unset, nothing can be sent and callers record that instead of failing.

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** The Message-ID header, e.g. `<id@host>`; the same on a resend, so the repeat is recognisable. Default: a new one. */
  messageId?: string;
}

export interface SentMail {
  messageId: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<SentMail>;
  close(): void;
}

/** A mailer for SMTP_URL, sending as `from`. The URL's password never appears in errors or logs. */
export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl, { from });
  return {
    async send(message) {
      try {
        const info = await transport.sendMail({ from, ...message });
        return { messageId: info.messageId };
      } catch (err) {
        throw new MailNotSent(err);
      }
    },
    close: () => transport.close(),
  };
}

/** Sending failed; `permanent` when the server refused the message for good (a 5xx answer: a bounce). */
export class MailNotSent extends Error {
  readonly permanent: boolean;
  readonly responseCode?: number;
  /** nodemailer's error kind (ECONNREFUSED, ETIMEDOUT, EAUTH, ...), never its message. */
  readonly kind: string;
  constructor(cause: unknown) {
    const e = cause as { responseCode?: number; code?: string };
    // Only the SMTP code and nodemailer's error kind: a message could quote the URL with its password.
    super(`mail not sent (${e?.code ?? 'error'}${e?.responseCode ? ` ${e.responseCode}` : ''})`);
    this.name = 'MailNotSent';
    this.responseCode = e?.responseCode;
    this.kind = e?.code ?? 'error';
    this.permanent = typeof e?.responseCode === 'number' && e.responseCode >= 500;
  }
}
