import { condition, isCancellation, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { giftOpenedSignal } from './messages';

// One e-gift card (orders/gifts.ts), its own workflow (workflowId `gift-<giftId>`), started by the
// storefront API when the buyer makes the order a gift. It waits on a durable timer until the
// gift is due, sends it (retrying while the order is still on its way or the mail server is
// unreachable; a bounce is recorded and final), then waits for the recipient to open it and tells
// the sender. Only the gift's id and outcomes pass through here: the link, the recipient's address
// and any code stay in the activities.

const db = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } });
// About two days of trying (every 30 minutes once backed off): past that, the gift is recorded as not sent.
const mail = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '30s', backoffCoefficient: 2, maximumInterval: '30m', maximumAttempts: 100 },
});

/** As long as the gift's link lives (orders/buyer-delivery.ts GIFT_LINK_DAYS). */
const WAIT_FOR_OPENING = '90 days';

export type GiftOutcome = 'opened' | 'not_opened' | 'bounced' | 'order_closed';

export async function deliverGift(input: { giftId: string }): Promise<GiftOutcome> {
  let opened = false;
  setHandler(giftOpenedSignal, () => void (opened = true));

  const { deliverAt } = await db.giftSchedule(input.giftId);
  // Workflow time: replayed the same, and jumped over by the time-skipping test server.
  const wait = new Date(deliverAt).getTime() - Date.now();
  if (wait > 0) await sleep(wait);

  let sent;
  try {
    sent = await mail.sendGift(input.giftId);
  } catch (err) {
    if (isCancellation(err)) throw err;
    await db.recordGiftNotSent(input.giftId);
    return 'bounced';
  }
  if (sent.outcome !== 'sent') return sent.outcome;

  if (!(await condition(() => opened, WAIT_FOR_OPENING))) return 'not_opened';
  await mail.tellSenderGiftOpened(input.giftId);
  return 'opened';
}
