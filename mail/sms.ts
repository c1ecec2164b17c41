// Text messages (one-time codes for a lookup, a gift's link to a phone) go through this adapter.
// Cardflow ships no SMS provider: an operator plugs one in behind `SmsSender`. The simulator
// keeps what it was asked to send, for tests and local runs; it never logs the text, which can
// carry a one-time code or a gift's link.

export interface SmsSender {
  send(to: string, text: string): Promise<void>;
}

export interface SentSms {
  to: string;
  text: string;
  at: Date;
}

export class SimulatedSms implements SmsSender {
  readonly sent: SentSms[] = [];

  async send(to: string, text: string): Promise<void> {
    this.sent.push({ to, text, at: new Date() });
  }

  /** The last message sent to `to`, if any. */
  lastTo(to: string): SentSms | undefined {
    return [...this.sent].reverse().find((m) => m.to === to);
  }
}
