import type { ConsolePart } from './index';

// A screen whose data could not be loaded says so and offers Retry (components/LoadFailed.tsx),
// issue 13's "pages not loaded spin forever". Written without consolePart(), as scale13.ts explains.
const en = {
  cf: {
    load_failed: {
      title: 'This page could not be loaded',
      unreachable: 'Cardflow’s server did not answer. Check the connection, then retry.',
      other: 'The server could not answer this request. Retry; if it keeps failing, tell your administrator.',
      retry: 'Retry',
      stale: 'Could not refresh — showing data from %{time}. These rows may no longer be current.',
    },
  },
};

export const recovery13Part: ConsolePart<typeof en> = {
  en,
  zh: {
    cf: {
      load_failed: {
        title: '此页面未能加载',
        unreachable: 'Cardflow 服务器没有响应。请检查网络连接后重试。',
        other: '服务器未能处理此请求。请重试；如仍失败，请联系管理员。',
        retry: '重试',
        stale: '刷新失败——显示的是 %{time} 的数据，可能已不是最新。',
      },
    },
  },
};
