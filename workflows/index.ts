export { fulfilOrder } from './fulfil-order';
export { trainRiskModels } from './train-risk-models';
export { notifyRefund } from './notify-refund';
export { dujiaoCallback } from './dujiao-callback';
export { deliverGift } from './deliver-gift';
