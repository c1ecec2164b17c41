export { fulfilOrder } from './fulfil-order';
export { trainRiskModels } from './train-risk-models';
export { notifyRefund } from './notify-refund';
export { dujiaoCallback } from './dujiao-callback';
export { reconcileSuppliers, reconcileSupplierNow } from './reconcile';
export { deliverGift } from './deliver-gift';
export { fulfilBulkOrder, fulfilBulkPage } from './bulk-order';
