import { Module } from '@nestjs/common';
import { AuditModule } from '#audit';
import { EndUserTokenService } from './end-user-token.service.js';
import { TokenRevocationService } from './token-revocation.service.js';

@Module({ imports: [AuditModule], providers: [EndUserTokenService, TokenRevocationService], exports: [EndUserTokenService, TokenRevocationService] })
export class AuthModule {}
