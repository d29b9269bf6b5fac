// Which compression algorithms this server offers: an admin turns each on or off. Versions made
// with one stay; new processing requests naming an algorithm that is off are refused.

import { useEffect, useState } from 'react';
import { algorithms, setAlgorithmEnabled } from '../../api/images';
import { describe } from '../../api/problem';
import type { Algorithm } from '../../api/types';
import { useToast } from '../../components/Toast';
import { Alert, DataTable, Spinner } from '../../components/ui';

/** `list` with one algorithm's `enabled` set: the optimistic change and its rollback. */
export function withEnabled(list: Algorithm[], name: string, enabled: boolean): Algorithm[] {
  return list.map((a) => (a.name === name ? { ...a, enabled } : a));
}

export function AlgorithmsCard() {
  const toast = useToast();
  const [list, setList] = useState<Algorithm[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Names with a change on its way: one at a time each, so that a rollback cannot undo a later click.
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    let live = true;
    algorithms().then(
      (a) => live && setList(a),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, []);

  const mark = (name: string, on: boolean) =>
    setPending((p) => {
      const n = new Set(p);
      if (on) n.add(name);
      else n.delete(name);
      return n;
    });

  const toggle = async (a: Algorithm, enabled: boolean) => {
    // The switch moves at once; the server's answer confirms it, or the old state comes back.
    setList((l) => l && withEnabled(l, a.name, enabled));
    mark(a.name, true);
    try {
      const saved = await setAlgorithmEnabled(a.name, enabled);
      setList((l) => l && withEnabled(l, a.name, saved.enabled));
    } catch (e) {
      setList((l) => l && withEnabled(l, a.name, a.enabled));
      toast.error(`Could not turn ${a.name} ${enabled ? 'on' : 'off'}: ${describe(e)}`);
    } finally {
      mark(a.name, false);
    }
  };

  return (
    <section className="card" aria-labelledby="algorithms-title">
      <h2 className="card__title" id="algorithms-title">
        Compression algorithms
      </h2>
      <p className="muted">Users can process photos only with the algorithms that are on. Versions already made stay.</p>
      {error ? <Alert>{describe(error)}</Alert> : null}
      {!list && !error && <Spinner label="Loading algorithms" />}
      {list && (
        <DataTable columns={['Algorithm', 'Format', 'Kind', 'Description', 'Offered']}>
          {list.map((a) => (
            <tr key={a.name}>
              <th scope="row">{a.name}</th>
              <td>{a.format.toUpperCase()}</td>
              <td>{a.lossless ? 'lossless' : 'lossy'}</td>
              <td className="muted small">{a.description}</td>
              <td>
                <label className="switch">
                  <input
                    type="checkbox"
                    role="switch"
                    aria-label={`Offer ${a.name}`}
                    checked={a.enabled}
                    disabled={pending.has(a.name)}
                    onChange={(e) => void toggle(a, e.target.checked)}
                  />
                  <span aria-hidden="true">{a.enabled ? 'On' : 'Off'}</span>
                </label>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
