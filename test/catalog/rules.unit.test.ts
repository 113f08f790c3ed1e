// The pure catalogue rules at their edges: the 30 % boundary in cents, token checks in order,
// YouTube link forms, and the EAN explanations partners read in problem details.
import { describe, expect, it } from 'vitest';
import { eanProblem } from '../../src/domain/ean.ts';
import { changeRatio, decidePriceChange, emptyPricing, issueForceToken, needsConfirmation } from '../../src/domain/pricing.ts';
import { describeVideo, youTubeVideoId } from '../../src/domain/videos.ts';

describe('price protection rules', () => {
  it('allows exactly 30 % and refuses one cent more, in both directions', () => {
    expect(needsConfirmation(100, 130, 30)).toBe(false);
    expect(needsConfirmation(100, 130.01, 30)).toBe(true);
    expect(needsConfirmation(100, 70, 30)).toBe(false);
    expect(needsConfirmation(100, 69.99, 30)).toBe(true);
    expect(needsConfirmation(89.9, 116.87, 30)).toBe(false); // 89.9 × 1.3 = 116.87 exactly, in cents
    expect(needsConfirmation(10, 10.01, 0)).toBe(true);
    expect(changeRatio(100, 150)).toBe(0.5);
  });

  it('checks a token for item, use, price and expiry, in that order', () => {
    const pricing = emptyPricing();
    const t0 = new Date('2026-01-15T09:00:00Z');
    const request = { itemId: 'prod_a', currentPrice: 10, price: 50, currency: 'EUR' as const };
    expect(decidePriceChange(pricing, request, t0)).toEqual({ kind: 'needs_confirmation', ratio: 4 });
    const token = issueForceToken(pricing, 'pct_1', request, t0);
    expect(issueForceToken(pricing, 'pct_2', request, t0)).toBe(token);
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const decide = (overrides: object, when = t0) => decidePriceChange(pricing, { ...request, token: 'pct_1', ...overrides }, when);
    expect(decide({ token: 'pct_x' })).toMatchObject({ problem: 'force_token_invalid' });
    expect(decide({ itemId: 'prod_b' })).toMatchObject({ problem: 'force_token_invalid' });
    expect(decide({ price: 51 })).toMatchObject({ problem: 'force_token_price_mismatch' });
    expect(decide({}, at(15))).toMatchObject({ problem: 'force_token_expired' });
    expect(decide({}, at(14.99))).toMatchObject({ kind: 'apply' });
    token.used_at = t0.toISOString();
    expect(decide({ price: 51 }, at(20))).toMatchObject({ problem: 'force_token_already_used' });
  });
});

describe('YouTube links', () => {
  it('find the id in the common forms and nowhere else', () => {
    expect(youTubeVideoId('https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL1')).toBe('dQw4w9WgXcQ');
    expect(youTubeVideoId('  https://music.youtube.com/watch?v=dQw4w9WgXcQ ')).toBe('dQw4w9WgXcQ');
    expect(youTubeVideoId('www.youtube.com/shorts/dQw4w9WgXcQ')).toBe('dQw4w9WgXcQ');
    expect(youTubeVideoId('https://www.youtube.com/v/dQw4w9WgXcQ')).toBe('dQw4w9WgXcQ');
    for (const bad of ['https://youtube.com/watch', 'https://youtu.be/', 'https://youtu.be/dQw4w9WgXc', 'https://notyoutube.com/watch?v=dQw4w9WgXcQ', 'https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ', 'javascript:alert(1)']) {
      expect(youTubeVideoId(bad), bad).toBeNull();
    }
  });

  it('fake title and duration from the id alone', () => {
    const a = describeVideo('https://youtu.be/dQw4w9WgXcQ', 'dQw4w9WgXcQ');
    const b = describeVideo('youtube.com/watch?v=dQw4w9WgXcQ', 'dQw4w9WgXcQ');
    expect({ ...a, video_url: '' }).toEqual({ ...b, video_url: '' });
    expect(describeVideo('x', 'aqz-KE-bpKQ').title === a.title && describeVideo('x', 'aqz-KE-bpKQ').duration_seconds === a.duration_seconds).toBe(false);
  });
});

describe('EAN explanations', () => {
  it('say what is wrong and what would be accepted', () => {
    expect(eanProblem('4006381333931')).toBeNull();
    expect(eanProblem('04006381333931')).toBeNull();
    expect(eanProblem('96385074')).toBeNull();
    expect(eanProblem('4006381333930')).toMatch(/check digit 0 .* need 1/);
    expect(eanProblem('24006381333937')).toMatch(/packaging indicator 2/);
    expect(eanProblem('400638133393')).toMatch(/has 12 digits/);
    expect(eanProblem('40063813339x1')).toMatch(/digits only/);
  });
});
