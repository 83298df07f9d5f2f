import { Global, Module } from '@nestjs/common';
import { AppConfig } from '#config';
import { AuthFailureLimiter } from './auth-failure-limiter.service.js';
import { ClientIpResolver } from './client-ip.js';
import { RateLimiter } from './rate-limiter.service.js';

/**
 * Global, so the guards that use it work in whichever gateway module provides them (the
 * streaming channels' module provides its own guard instances).
 */
@Global()
@Module({
  providers: [
    RateLimiter,
    AuthFailureLimiter,
    { provide: ClientIpResolver, inject: [AppConfig], useFactory: (config: AppConfig) => new ClientIpResolver(config.rateLimit.trustedProxies) },
  ],
  exports: [RateLimiter, AuthFailureLimiter, ClientIpResolver],
})
export class RateLimitModule {}
