import { defaultPayloadConverter, workflowInfo, type WorkflowInterceptors } from '@temporalio/workflow';

// Bundled with the workflows (worker/create-worker.ts workflowInterceptorModules): the request
// id the api put in the workflow's memo goes on the workflow's own log lines and, in a header,
// to every activity it schedules (worker/request-id.ts puts it on theirs). Headers and log
// attributes are not part of the history's commands, so replay is unaffected.

/** The Temporal header, and the memo field, that carry the request id. */
export const REQUEST_ID_HEADER = 'cardflow-request-id';
export const REQUEST_ID_MEMO = 'requestId';

function requestId(): string | undefined {
  const value = workflowInfo().memo?.[REQUEST_ID_MEMO];
  return typeof value === 'string' ? value : undefined;
}

export const interceptors = (): WorkflowInterceptors => ({
  outbound: [
    {
      getLogAttributes(input, next) {
        const id = requestId();
        return next(id ? { ...input, requestId: id } : input);
      },
      scheduleActivity(input, next) {
        const id = requestId();
        return next(id ? { ...input, headers: { ...input.headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(id) } } : input);
      },
      scheduleLocalActivity(input, next) {
        const id = requestId();
        return next(id ? { ...input, headers: { ...input.headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(id) } } : input);
      },
    },
  ],
});
