/** A clock that moves only when a test says so: recorded times are exact. */
export class ManualClock {
  private time: number;

  constructor(start = '2024-01-01T00:00:00.000Z') {
    this.time = Date.parse(start);
  }

  readonly now = (): Date => new Date(this.time);

  advance(milliseconds: number): void {
    this.time += milliseconds;
  }
}
