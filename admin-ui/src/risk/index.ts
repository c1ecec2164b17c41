// Risk control in the console: the review queue, the rules with their thresholds, the lists.
export { reviews } from './reviews';
export { riskLists } from './lists';
export { riskRules } from './rules';
