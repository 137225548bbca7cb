// The log source is configuration (SYSTEM_LOG_SOURCE): the functions' CloudWatch log groups in AWS, the local
// stack's files locally. Business code asks for a LogReader and never knows which.
import { getConfig } from '../config.ts';
import { CloudWatchLogReader } from './cloudwatch.ts';
import { FileLogReader } from './files.ts';
import type { LogReader } from './reader.ts';

let cached: LogReader | undefined;

export function getLogReader(): LogReader {
  if (cached) return cached;
  const config = getConfig();
  switch (config.SYSTEM_LOG_SOURCE) {
    case 'files':
      if (!config.SYSTEM_LOG_DIR) throw new Error('Invalid configuration: SYSTEM_LOG_SOURCE=files needs SYSTEM_LOG_DIR');
      cached = new FileLogReader(config.SYSTEM_LOG_DIR);
      break;
    case 'cloudwatch':
      cached = new CloudWatchLogReader(parseGroups(config.SYSTEM_LOG_GROUPS));
      break;
  }
  return cached;
}

function parseGroups(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  const parsed = JSON.parse(raw) as unknown;
  if (!parsed || typeof parsed !== 'object' || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new Error('Invalid configuration: SYSTEM_LOG_GROUPS must be a JSON object of function name to log group name');
  }
  return parsed as Record<string, string>;
}

export function resetLogReaderForTests(): void {
  cached = undefined;
}
