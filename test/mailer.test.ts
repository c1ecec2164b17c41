import { createMailer, MailNotSent } from '../mail/mailer';
import { startSmtpSink, type SmtpSink } from './smtp-sink';

describe('sending email', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(() => sink.stop());

  test('when a message is sent, then the SMTP server receives it with its subject and text', async () => {
    const mailer = createMailer(sink.url, 'Cardflow <noreply@cardflow.test>');
    try {
      await mailer.send({ to: 'ops@shop.test', subject: 'Low stock: GIFT-10', text: '3 codes left' });
      const got = await sink.waitFor('ops@shop.test');
      expect(got).toMatchObject({ from: 'noreply@cardflow.test', subject: 'Low stock: GIFT-10' });
      expect(got.text.trim()).toBe('3 codes left');
    } finally {
      mailer.close();
    }
  });

  test('when the server refuses the recipient, then MailNotSent says it is permanent (a bounce) and the password is not in it', async () => {
    sink.refuse('gone@shop.test');
    const mailer = createMailer(sink.url.replace('smtp://', 'smtp://user:s3cret-pass@'), 'noreply@cardflow.test');
    try {
      const err = await mailer.send({ to: 'gone@shop.test', subject: 'x', text: 'y' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MailNotSent);
      expect((err as MailNotSent).permanent).toBe(true);
      expect((err as MailNotSent).responseCode).toBe(550);
      expect(String((err as Error).message)).not.toContain('s3cret-pass');
    } finally {
      mailer.close();
    }
  });
});
