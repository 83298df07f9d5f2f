import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { TENANT_ID_PATTERN, USER_ID_PATTERN } from '#common';

export class TenantIdParamDto {
  @ApiProperty({ example: 'acme-bank' })
  @IsString()
  @Matches(TENANT_ID_PATTERN, { message: 'id must be a tenant slug' })
  id!: string;
}

export class TenantKeyParamDto extends TenantIdParamDto {
  @ApiProperty({ example: '8d0e7a52-0c1f-4a39-9a56-5f3f2e4b7c10' })
  @IsString()
  @Matches(/^[0-9a-f-]{36}$/i, { message: 'keyId must be a UUID' })
  keyId!: string;
}

export class UserIdParamDto {
  @ApiProperty({ example: 'customer-42' })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'userId must be 1-128 characters of A-Z a-z 0-9 . _ : @ -' })
  userId!: string;
}
