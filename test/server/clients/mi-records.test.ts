// The MI record parser the client tests rely on, fed lines gdb-multiarch 13.1 printed against el2dbg.
import { expect } from 'chai';
import { MiSyntaxError, parseMiRecord } from './mi-records.js';

describe('GDB/MI record parser (test/server/clients/mi-records.ts)', () => {
  it('reads result records with their token, nested tuples and lists of results', () => {
    const line =
      '4^done,bkpt={number="1",type="breakpoint",addr="0x0000000040080148",func="read_filtered",' +
      'thread-groups=["i1"],times="0"}';
    expect(parseMiRecord(line)).to.deep.equal({
      kind: 'result',
      token: 4,
      resultClass: 'done',
      results: {
        bkpt: {
          number: '1',
          type: 'breakpoint',
          addr: '0x0000000040080148',
          func: 'read_filtered',
          'thread-groups': ['i1'],
          times: '0',
        },
      },
    });
    expect(
      parseMiRecord('11^done,stack=[frame={level="0",func="_start"},frame={level="1",func="main"}]'),
    ).to.deep.equal({
      kind: 'result',
      token: 11,
      resultClass: 'done',
      results: { stack: [{ frame: { level: '0', func: '_start' } }, { frame: { level: '1', func: 'main' } }] },
    });
    expect(parseMiRecord('^error,msg="No symbol \\"nope\\" in current context."')).to.deep.equal({
      kind: 'result',
      token: undefined,
      resultClass: 'error',
      results: { msg: 'No symbol "nope" in current context.' },
    });
  });

  it('reads async records of the three channels, empty tuples and lists included', () => {
    expect(parseMiRecord('*stopped,frame={addr="0x0",func="_start",args=[]},thread-id="1"')).to.deep.equal({
      kind: 'async',
      channel: 'exec',
      token: undefined,
      asyncClass: 'stopped',
      results: { frame: { addr: '0x0', func: '_start', args: [] }, 'thread-id': '1' },
    });
    expect(parseMiRecord('*running,thread-id="all"')).to.include({ channel: 'exec', asyncClass: 'running' });
    expect(parseMiRecord('=thread-group-added,id="i1"')).to.include({
      channel: 'notify',
      asyncClass: 'thread-group-added',
    });
    // gdb's +download records carry a tuple without a name; its fields are the record's results.
    expect(parseMiRecord('8+download,{section=".text",section-size="4096",total-size="75444"}')).to.deep.equal({
      kind: 'async',
      channel: 'status',
      token: 8,
      asyncClass: 'download',
      results: { section: '.text', 'section-size': '4096', 'total-size': '75444' },
    });
  });

  it('reads stream records with their C escapes, and the prompt', () => {
    expect(parseMiRecord('~"22\\t    mov     x19, x0\\n"')).to.deep.equal({
      kind: 'stream',
      channel: 'console',
      text: '22\t    mov     x19, x0\n',
    });
    expect(parseMiRecord('@"run \\"maintenance flush register-cache\\"\\n"')).to.deep.equal({
      kind: 'stream',
      channel: 'target',
      text: 'run "maintenance flush register-cache"\n',
    });
    expect(parseMiRecord('&"\\302\\260 \\\\ done\\n"')).to.deep.equal({
      kind: 'stream',
      channel: 'log',
      text: '\xc2\xb0 \\ done\n',
    });
    expect(parseMiRecord('(gdb) ')).to.deep.equal({ kind: 'prompt' });
  });

  it('rejects what is not MI, saying where', () => {
    for (const line of ['Remote debugging using :1234', '5^done,', '5^done,a="x', '*stopped,frame={a="1"', '~"x" y']) {
      expect(() => parseMiRecord(line), line).to.throw(MiSyntaxError);
    }
    expect(() => parseMiRecord('^done,x=1')).to.throw(/expected a value .* at column 8/);
  });
});
