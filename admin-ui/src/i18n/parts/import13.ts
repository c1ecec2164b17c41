import type { ConsolePart } from './index';

// Stock import (issue 13): why a line could not be read (stock/parse-codes.ts BAD_LINE_REASONS),
// the choice to import the good lines and list the bad ones, and the summary when lines were
// refused for reasons other than repeating (already sold, in stock, voided).
// Written without consolePart(), as scale13.ts explains: the type keeps the two halves alike.
const en = {
  cf: {
    stock: {
      paste_help: 'One code a line: code,pin,expiry (CSV) or code----pin----expiry (TXT). Expiry year first: 2027-06-30, 2027/06/30, 2027-6-30 or 2027年6月30日.',
      bad_lines_choice: 'Lines that cannot be read',
      bad_lines_refuse: 'Refuse the whole file',
      bad_lines_skip: 'Import the good lines, list the bad ones',
      bad_lines_will_skip: '%{smart_count} line cannot be read; it will be skipped and listed |||| %{smart_count} lines cannot be read; they will be skipped and listed',
      bad_lines_skipped: '%{smart_count} line could not be read and was not imported: |||| %{smart_count} lines could not be read and were not imported:',
      done_refused: '%{imported} imported, %{refused} not imported (see below). %{available} can now be promised.',
      bad_line: {
        code_empty: 'the code is empty',
        too_many_fields: 'too many fields (expected code, pin, expiry)',
        field_too_long: 'a field is longer than %{max} characters',
        expiry_not_a_date: 'expiry “%{expiry}” is not a date such as 2027-06-30, 2027/06/30 or 2027年6月30日',
        expiry_not_a_real_day: 'expiry “%{expiry}” is not a real day',
        code_expired: 'the code expired on %{expiry}',
      },
    },
    details: { badLines: 'Unreadable lines skipped', duplicates: 'Lines refused' },
  },
};

export const import13Part: ConsolePart<typeof en> = {
  en,
  zh: {
    cf: {
      stock: {
        paste_help: '每行一个卡密：卡号,密码,有效期（CSV）或 卡号----密码----有效期（TXT）。有效期年份在前：2027-06-30、2027/06/30、2027-6-30 或 2027年6月30日。',
        bad_lines_choice: '无法读取的行',
        bad_lines_refuse: '整个文件不导入',
        bad_lines_skip: '导入正确的行，列出错误的行',
        bad_lines_will_skip: '有 %{smart_count} 行无法读取，将被跳过并列出',
        bad_lines_skipped: '有 %{smart_count} 行无法读取，未导入：',
        done_refused: '已导入 %{imported} 个，未导入 %{refused} 个（见下）。现可售 %{available}。',
        bad_line: {
          code_empty: '卡号为空',
          too_many_fields: '字段过多（应为卡号、密码、有效期）',
          field_too_long: '有字段超过 %{max} 个字符',
          expiry_not_a_date: '有效期“%{expiry}”不是日期，应如 2027-06-30、2027/06/30 或 2027年6月30日',
          expiry_not_a_real_day: '有效期“%{expiry}”不是真实存在的日期',
          code_expired: '该卡密已于 %{expiry} 过期',
        },
      },
      details: { badLines: '跳过的无法读取行', duplicates: '未导入的行' },
    },
  },
};
