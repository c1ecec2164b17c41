import { decide, type Finding } from '../risk/evaluate';
import { DEFAULT_SETTINGS } from '../risk/rules';

// How findings become a decision and the reasons a person reads.

const finding = (action: Finding['action'], reason: string, score?: number): Finding => ({
  ruleId: null,
  rule: reason,
  kind: 'test',
  action,
  score,
  reason,
  explained: { code: 'disposable_email', params: { email: reason } },
});

describe('deciding from findings', () => {
  test('when a hard review rule and a scoring rule find the same thing, then the reason is listed once, with the hold', () => {
    const verdict = decide(
      [
        finding('review', 'IP country US differs from card country CN'),
        finding('score', 'IP country US differs from card country CN', 25),
        finding('score', 'disposable email', 35),
      ],
      0,
      [],
      DEFAULT_SETTINGS,
    );
    expect(verdict.decision).toBe('review');
    expect(verdict.reasons).toEqual(['IP country US differs from card country CN', 'disposable email (+35)']);
    expect(verdict.score).toBe(60); // the duplicate still counts toward the score
  });

  test('when only scores add up past the review threshold, then every scored reason is listed with its points', () => {
    const verdict = decide([finding('score', 'a', 30), finding('score', 'b', 25)], 0, [], DEFAULT_SETTINGS);
    expect(verdict).toEqual({
      decision: 'review',
      score: 55,
      reasons: [`risk score 55 reached the review threshold ${DEFAULT_SETTINGS.reviewScore}`, 'a (+30)', 'b (+25)'],
      // The same reasons as codes for the console to word, points beside the scored ones.
      explained: [
        { code: 'score_review', params: { score: 55, threshold: DEFAULT_SETTINGS.reviewScore } },
        { code: 'disposable_email', params: { email: 'a', points: 30 } },
        { code: 'disposable_email', params: { email: 'b', points: 25 } },
      ],
    });
  });
});
