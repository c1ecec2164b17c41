export { fulfilOrder } from './fulfil-order';
