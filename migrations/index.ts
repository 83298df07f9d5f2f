import { InitialSchema1763769600000 } from './1763769600000-initial-schema.js';
import { RowLevelSecurity1763856000000 } from './1763856000000-row-level-security.js';

/** Every migration, in order. Listed explicitly so builds and tests load exactly the same set. */
export const MIGRATIONS = [InitialSchema1763769600000, RowLevelSecurity1763856000000];
