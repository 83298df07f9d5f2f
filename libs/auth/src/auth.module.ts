import { Module } from '@nestjs/common';
import { EndUserTokenService } from './end-user-token.service.js';

@Module({ providers: [EndUserTokenService], exports: [EndUserTokenService] })
export class AuthModule {}
