// The CSV task report: RFC 4180 (CRLF records, fields quoted when they hold a comma, quote or line break)
// written by csv-stringify, with every text cell a spreadsheet would run as a formula neutralised.
import { stringify } from 'csv-stringify/sync';
import type { ReportRow } from './rows.ts';

/** Cells starting with one of these are formulas (or become one) in Excel, LibreOffice and Google Sheets. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * OWASP's advice for CSV injection: prefix such a cell with a single quote, which spreadsheets show as text
 * and never evaluate. Only free text gets it; numbers and dates are written by us and never start so.
 */
export const neutralise = (cell: string): string => (FORMULA_START.test(cell) ? `'${cell}` : cell);

export const CSV_COLUMNS = [
  'id',
  'title',
  'student_name',
  'student_email',
  'student_id',
  'status',
  'type',
  'subject',
  'academic_level',
  'priority',
  'created_at',
  'due_date',
  'updated_at',
  'budget',
  'assigned_admin_id',
] as const;

/** Budget in the spec's units with two decimals (stored as cents). */
export const money = (cents: number) => (cents / 100).toFixed(2);

export function csvRecord(row: ReportRow): string[] {
  return [
    row.id,
    neutralise(row.title),
    neutralise(row.studentName),
    neutralise(row.studentEmail),
    row.studentId,
    row.status,
    neutralise(row.type),
    neutralise(row.subject),
    neutralise(row.academicLevel),
    row.priority,
    row.createdAt,
    row.dueDate,
    row.updatedAt,
    money(row.budgetCents),
    row.assignedAdminId ?? '',
  ];
}

export function taskReportCsv(rows: ReportRow[]): Buffer {
  const text = stringify(rows.map(csvRecord), { header: true, columns: [...CSV_COLUMNS], record_delimiter: 'windows'});
  return Buffer.from(text, 'utf8');
}
