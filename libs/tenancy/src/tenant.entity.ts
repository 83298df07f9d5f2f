import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { TenantConfig } from './tenant-config.js';

export type TenantStatus = 'active' | 'disabled';

@Entity({ name: 'tenants' })
export class TenantEntity {
  /** Slug chosen by the operator, e.g. `demo-bank`. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  status!: TenantStatus;

  @Column({ type: 'jsonb' })
  config!: TenantConfig;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
