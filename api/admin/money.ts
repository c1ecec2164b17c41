import { z } from 'zod';

/** An amount in the admin API: integer minor units (cents), never negative. */
export const Money = z.number().int().min(0).max(1e13);
