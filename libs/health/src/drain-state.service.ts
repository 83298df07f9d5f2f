import { Injectable } from '@nestjs/common';

/** Set when SIGTERM arrives: readiness turns false at once so the load balancer stops sending work. */
@Injectable()
export class DrainState {
  private drainingSince: number | null = null;

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  begin(): void {
    this.drainingSince ??= Date.now();
  }
}
