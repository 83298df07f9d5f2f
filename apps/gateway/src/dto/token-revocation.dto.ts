import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { USER_ID_PATTERN } from '#common';

export class RevokeTokensDto {
  @ApiProperty({ example: 'customer-42', description: 'The end user whose tokens stop working.' })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'userId must be 1-128 characters of A-Z a-z 0-9 . _ : @ -' })
  userId!: string;
}

export class RevokedTokensResponseDto {
  @ApiProperty({ example: 'customer-42' }) userId!: string;
  @ApiProperty({ example: '2026-11-22T08:00:00.000Z', description: 'Tokens issued at or before this second are refused (`TOKEN_REVOKED`).' })
  revokedBefore!: string;
}
