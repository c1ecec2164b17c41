'use strict';
// A webpack loader for test/replay.test.ts's positive control: it rewrites one line of the
// workflow source as it is bundled (options.from → options.to), so the control replays against
// the current workflow with one deliberate change. It refuses to pass the source through
// unchanged: a control that changed nothing would prove nothing.
module.exports = function replayChangeLoader(source) {
  const { from, to } = this.getOptions();
  if (!source.includes(from)) throw new Error(`replay control: "${from}" is not in ${this.resourcePath}; update the control to the workflow as it is now`);
  return source.replace(from, to);
};
