import { describe, expect, it } from 'vitest';
import { samplingUnder } from './signal-traffic';

const send = samplingUnder({});

describe('alwaysSample: rejections (the default)', () => {
  it('keeps rejected owner headers, credentials a resolver could not vouch for, and headers sent while a resolver works; nothing else', async () => {
    expect(await send()).toEqual(['rejected', 'otherClientWithHeader', 'unvouched', 'pendingWithHeader']);
  });
});
