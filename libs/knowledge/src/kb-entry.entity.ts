import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'kb_entries' })
export class KbEntryEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  /** Caller-chosen id, unique per tenant; chat replies name it as `entryId`. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  question!: string;

  @Column({ name: 'similar_questions', type: 'text', array: true })
  similarQuestions!: string[];

  @Column({ type: 'text' })
  answer!: string;

  @Column({ type: 'text', array: true })
  tags!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
