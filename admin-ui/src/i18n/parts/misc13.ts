import { consolePart } from './index';

// Issue 13: why buying a unit stopped when no route said why (suppliers/outcome-codes.ts
// STEP_FAILURE_CODES). No one supplier said it, so the words stand without a supplier's name; an
// error's message or an old reason's English follows in quotes, as a vendor's words do.

export const misc13Part = consolePart(
  {
    cf: {
      suppliers: {
        outcomes: {
          timed_out: 'the purchase ran out of time',
          unexpected_error: 'the purchase stopped on an unexpected error',
          unknown_detail: 'no known reason',
        },
      },
    },
  },
  {
    cf: {
      suppliers: {
        outcomes: {
          timed_out: '采购超时',
          unexpected_error: '采购因意外错误而中止',
          unknown_detail: '原因不明',
        },
      },
    },
  },
);
