import { describe, expect, it } from '@jest/globals';
import { isDatabaseUnavailable } from './database-errors.js';

const withCode = (code: string, message = `pg ${code}`): Error => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it('recognises an unreachable or failing server', () => {
    expect(isDatabaseUnavailable(withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('57P01'))).toBe(true); // admin shutdown
    expect(isDatabaseUnavailable(withCode('57P03', 'the database system is starting up'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('08006'))).toBe(true); // connection failure
    expect(isDatabaseUnavailable(withCode('53300'))).toBe(true); // too many connections
    expect(isDatabaseUnavailable({ message: 'query failed', driverError: { code: '57P02' } })).toBe(true); // TypeORM's wrapper
  });

  it('does not take a bad query, a bad row or a bug for an outage', () => {
    expect(isDatabaseUnavailable(withCode('23503'))).toBe(false); // foreign key violation
    expect(isDatabaseUnavailable(withCode('42P01'))).toBe(false); // undefined table
    expect(isDatabaseUnavailable({ message: 'query failed', driverError: { code: '22P02' } })).toBe(false);
    expect(isDatabaseUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable('Connection terminated')).toBe(false);
  });
});
