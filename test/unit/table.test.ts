import { describe, expect, it } from 'vitest';
import { table } from '../../lib/report/table.ts';

describe('table', () => {
  it('aligns a column holding Chinese text by its width on screen (two columns a character)', () => {
    // Prepare: category names in Chinese and in Latin letters; 宠物食品用品 is 6 characters, 12 columns wide
    const rows = [
      ['彩妆', '76'],
      ['宠物食品用品', '7'],
      ['pet-food', '1,036'],
    ];

    // Act
    const text = table(['category', 'days'], rows);

    // Assess: the number column starts and ends at the same screen column on every line
    expect(text.split('\n')).toEqual([
      'category      days',
      '------------  -----',
      '彩妆             76',
      '宠物食品用品      7',
      'pet-food      1,036',
    ]);
  });

  it('pads text on the right and numbers on the left, and drops trailing spaces', () => {
    const text = table(['name', 'count', 'note'], [['a', '5', ''], ['bb', '10', 'x']]);

    expect(text.split('\n')).toEqual(['name  count  note', '----  -----  ----', 'a         5', 'bb       10  x']);
  });
});
