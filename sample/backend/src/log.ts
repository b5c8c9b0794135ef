const LEVELS: Record<string, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, unknown>;

export class Logger {
  private readonly threshold: number;

  constructor(level: string) {
    this.threshold = LEVELS[level.toLowerCase()] ?? LEVELS.info;
  }

  debug(msg: string, fields: Fields = {}): void {
    this.write("debug", msg, fields);
  }

  info(msg: string, fields: Fields = {}): void {
    this.write("info", msg, fields);
  }

  warn(msg: string, fields: Fields = {}): void {
    this.write("warn", msg, fields);
  }

  error(msg: string, fields: Fields = {}): void {
    this.write("error", msg, fields);
  }

  private write(level: string, msg: string, fields: Fields): void {
    if (LEVELS[level] < this.threshold) return;
    const line = { time: new Date().toISOString(), level, msg, ...fields };
    process.stdout.write(JSON.stringify(line) + "\n");
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
