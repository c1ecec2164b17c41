// Why a notification to people was not sent: the English sentence kept in
// notification_messages.last_error (and the logs), and the same as a code with params
// (last_error_code, last_error_params) that the settings screen words in the reader's language
// (cf.notify.errors.<code>). api/message-codes.ts lists the codes for the words check. No imports.

export const SEND_ERROR_CODES = [
  'no_mail_server',
  'mail_refused',
  'mail_not_sent',
  'webhook_removed',
  'nothing_to_tell',
  'endpoint_refused',
  'bot_refused',
  'outbound_failed',
  'not_sent',
] as const;
export type SendErrorCode = (typeof SEND_ERROR_CODES)[number];

export interface SendError {
  code: SendErrorCode;
  params: Record<string, string | number>;
  text: string;
}

export const sendError = (code: SendErrorCode, params: SendError['params'], text: string): SendError => ({ code, params, text });
