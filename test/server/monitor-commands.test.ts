import { expect } from 'chai';
import { findMonitorCommand, monitorCommands } from '../../server/monitor/monitor-commands.js';

describe('server/monitor-commands: the monitor table', () => {
  it('has help, halt, reset and reset halt (what IDE adapters send)', () => {
    const names = monitorCommands.map((c) => c.name);
    for (const name of ['help', 'halt', 'reset', 'reset halt']) expect(names).to.include(name);
  });

  it('picks the longest matching name and passes the rest as arguments', () => {
    expect(findMonitorCommand('reset halt')?.command.name).to.equal('reset halt');
    expect(findMonitorCommand('  reset  ')?.command.name).to.equal('reset');
    expect(findMonitorCommand('translate 0x1000')).to.deep.include({ args: '0x1000' });
    expect(findMonitorCommand('resets')).to.equal(null);
    expect(findMonitorCommand('')).to.equal(null);
  });

  it('prints every command of the table in monitor help', () => {
    const help = findMonitorCommand('help')!.command.run('', undefined as never);
    const flat = help.replace(/\s+/g, ' '); // summaries are wrapped to 100 columns
    for (const c of monitorCommands) expect(flat).to.include(c.summary);
  });
});
