/** The figures a bench run is held to, printed beside what it measured: one table, one format for every mode. */
import { fmt, printTable } from './stats.js';

export interface Goal {
  readonly name: string;
  readonly value: number;
  /** Whether the value must be at least, at most or strictly above the target. */
  readonly at: 'least' | 'most' | 'above';
  readonly target: number;
  /** The unit both are in (` µs`); a ratio has none. */
  readonly unit?: string;
}

const SIGN = { least: '≥', most: '≤', above: '>' } as const;

function met(goal: Goal): boolean {
  if (goal.at === 'least') return goal.value >= goal.target;
  if (goal.at === 'most') return goal.value <= goal.target;
  return goal.value > goal.target;
}

/** Prints `goals` as the run's Goals table: measured, goal, met (a value that could not be measured is not met). */
export function printGoals(goals: readonly Goal[]): void {
  console.log('\nGoals\n');
  printTable(
    ['goal', 'measured', 'target', 'met'],
    goals.map((goal) => [
      goal.name,
      `${fmt(goal.value, goal.unit ? 2 : 3)}${goal.unit ?? ''}`,
      `${SIGN[goal.at]} ${fmt(goal.target, 2)}${goal.unit ?? ''}`,
      met(goal) ? 'yes' : 'NO',
    ]),
    'Goals',
  );
}
