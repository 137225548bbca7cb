// The PDF task report, drawn with PDFKit (the only module that imports it, so only the reports function
// bundles it): title, filters, generation time, two bar charts (tasks by status, revenue by month) and the
// task table across as many pages as it needs, its header repeated on each.
import PDFDocument from 'pdfkit';
import type { ReportRow } from './rows.ts';
import { money } from './csv.ts';

export interface PdfReportInput {
  rows: ReportRow[];
  /** Filter lines as shown (`Status: completed`). */
  filters: string[];
  generatedAt: Date;
  tasksByStatus: { label: string; value: number }[];
  /** Oldest month first; amounts in the billing currency's main unit. */
  revenueByMonth: { label: string; value: number }[];
  revenueCurrency: string;
}

const MARGIN = 36;
const ACCENT = '#2f5bea';
const MUTED = '#666666';

/** Table columns: header, width (points, A4 landscape has 770 inside the margins), cell text. */
const COLUMNS: { header: string; width: number; cell: (r: ReportRow) => string; align?: 'right' }[] = [
  { header: 'Created', width: 70, cell: (r) => r.createdAt.slice(0, 10) },
  { header: 'Title', width: 170, cell: (r) => r.title },
  { header: 'Student', width: 120, cell: (r) => r.studentName || r.studentId },
  { header: 'Status', width: 80, cell: (r) => r.status },
  { header: 'Type', width: 80, cell: (r) => r.type },
  { header: 'Subject', width: 90, cell: (r) => r.subject },
  { header: 'Due', width: 70, cell: (r) => r.dueDate.slice(0, 10) },
  { header: 'Budget', width: 70, cell: (r) => money(r.budgetCents), align: 'right' },
];
const ROW_HEIGHT = 15;

export function taskReportPdf(input: PdfReportInput): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: MARGIN, compress: true, info: { Title: 'GradHelper task report', Author: 'GradHelper' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = doc.page.width - 2 * MARGIN;
  doc.font('Helvetica-Bold').fontSize(20).fillColor('#000000').text('GradHelper task report', MARGIN, MARGIN);
  doc.font('Helvetica').fontSize(10).fillColor(MUTED);
  doc.text(`Generated ${input.generatedAt.toISOString().replace('T', ' ').slice(0, 19)} UTC`);
  doc.text(`Filters: ${input.filters.join('; ') || 'none'}`);
  doc.text(`Tasks in this report: ${input.rows.length}`);

  const chartTop = doc.y + 14;
  const chartWidth = (width - 30) / 2;
  barChart(doc, { x: MARGIN, y: chartTop, width: chartWidth, height: 170 }, 'Tasks in this report by status', input.tasksByStatus, (v) => String(v));
  barChart(
    doc,
    { x: MARGIN + chartWidth + 30, y: chartTop, width: chartWidth, height: 170 },
    `Revenue by month (${input.revenueCurrency.toUpperCase()})`,
    input.revenueByMonth,
    (v) => v.toFixed(0),
  );

  let y = chartTop + 200;
  y = tableHeader(doc, y);
  input.rows.forEach((row, i) => {
    if (y + ROW_HEIGHT > doc.page.height - MARGIN) {
      doc.addPage();
      y = tableHeader(doc, MARGIN);
    }
    if (i % 2 === 1) doc.rect(MARGIN, y - 3, width, ROW_HEIGHT).fill('#f2f4f8');
    doc.fillColor('#000000').font('Helvetica').fontSize(8);
    let x = MARGIN;
    for (const c of COLUMNS) {
      doc.text(c.cell(row), x + 2, y, { width: c.width - 4, height: ROW_HEIGHT, lineBreak: false, ellipsis: true, align: c.align ?? 'left' });
      x += c.width;
    }
    y += ROW_HEIGHT;
  });
  if (input.rows.length === 0) doc.font('Helvetica-Oblique').fontSize(10).fillColor(MUTED).text('No tasks match these filters.', MARGIN, y + 4);
  doc.end();
  return done;
}

function tableHeader(doc: PDFKit.PDFDocument, y: number): number {
  doc.rect(MARGIN, y - 3, doc.page.width - 2 * MARGIN, ROW_HEIGHT + 2).fill(ACCENT);
  doc.fillColor('#ffffff').font('Helvetica-Bold').fontSize(8);
  let x = MARGIN;
  for (const c of COLUMNS) {
    doc.text(c.header, x + 2, y, { width: c.width - 4, lineBreak: false, align: c.align ?? 'left' });
    x += c.width;
  }
  return y + ROW_HEIGHT + 2;
}

/** A labelled vertical bar chart with a base line and each bar's value above it. */
function barChart(
  doc: PDFKit.PDFDocument,
  box: { x: number; y: number; width: number; height: number },
  title: string,
  bars: { label: string; value: number }[],
  format: (v: number) => string,
): void {
  doc.font('Helvetica-Bold').fontSize(11).fillColor('#000000').text(title, box.x, box.y, { width: box.width, lineBreak: false });
  const plotTop = box.y + 30;
  const plotBottom = box.y + box.height - 20;
  const plotHeight = plotBottom - plotTop;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = box.width / Math.max(1, bars.length);
  const barWidth = Math.min(40, slot * 0.7);
  doc.moveTo(box.x, plotBottom).lineTo(box.x + box.width, plotBottom).lineWidth(0.8).strokeColor('#999999').stroke();
  bars.forEach((bar, i) => {
    const h = (bar.value / max) * plotHeight;
    const x = box.x + i * slot + (slot - barWidth) / 2;
    if (h > 0) doc.rect(x, plotBottom - h, barWidth, h).fill(ACCENT);
    doc.font('Helvetica').fontSize(7).fillColor('#000000');
    doc.text(format(bar.value), box.x + i * slot, plotBottom - h - 10, { width: slot, align: 'center', lineBreak: false });
    doc.fillColor(MUTED).text(bar.label, box.x + i * slot, plotBottom + 4, { width: slot, align: 'center', lineBreak: false, ellipsis: true });
  });
  if (bars.length === 0) doc.font('Helvetica-Oblique').fontSize(9).fillColor(MUTED).text('No data', box.x, plotTop + plotHeight / 2);
}
