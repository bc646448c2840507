import { describe, expect, it } from 'vitest';
import { samplingUnder } from './signal-traffic';

const send = samplingUnder({ alwaysSample: 'owner_header' });

describe('alwaysSample: owner_header', () => {
  it('keeps every interception that sent the owner header, applied or not', async () => {
    expect(await send()).toEqual(['applied', 'rejected', 'otherClientWithHeader', 'pendingWithHeader']);
  });
});
