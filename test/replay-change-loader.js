'use strict';
// A webpack loader for test/replay.test.ts's positive control: as the workflow source is bundled,
// it adds `prepend` at the top and `insert` right after the first match of `after` (a regular
// expression), so the control replays against the current workflow with one deliberate change.
// It refuses to pass the source through unchanged: a control that changed nothing would prove
// nothing.
module.exports = function replayChangeLoader(source) {
  const { after, insert, prepend } = this.getOptions();
  const anchor = new RegExp(after);
  if (!anchor.test(source)) throw new Error(`replay control: /${after}/ matches nothing in ${this.resourcePath}; update the control to the workflow as it is now`);
  return `${prepend}\n${source.replace(anchor, (found) => `${found}${insert}`)}`;
};
