// Tags as chips: Enter or comma adds, Backspace on an empty field removes the last.

import { useId, useState } from 'react';
import { parseTags } from '../lib/format';

interface Props {
  label: string;
  value: string[];
  onChange(tags: string[]): void;
  placeholder?: string;
  suggestions?: string[];
}

export function TagInput({ label, value, onChange, placeholder = 'Add a tag…', suggestions = [] }: Props) {
  const id = useId();
  const [text, setText] = useState('');
  const commit = (raw: string) => {
    const add = parseTags(raw).filter((t) => !value.includes(t));
    if (add.length) onChange([...value, ...add]);
    setText('');
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="tag-input">
        {value.map((t) => (
          <span key={t} className="tag tag--removable">
            {t}
            <button type="button" aria-label={`Remove tag ${t}`} onClick={() => onChange(value.filter((x) => x !== t))}>
              ×
            </button>
          </span>
        ))}
        <input
          id={id}
          value={text}
          list={suggestions.length ? `${id}-list` : undefined}
          placeholder={value.length ? '' : placeholder}
          onChange={(e) => {
            const v = e.target.value;
            if (v.includes(',')) commit(v);
            else setText(v);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && text.trim()) {
              e.preventDefault();
              commit(text);
            } else if (e.key === 'Backspace' && !text && value.length) {
              onChange(value.slice(0, -1));
            }
          }}
          onBlur={() => text.trim() && commit(text)}
        />
        {suggestions.length > 0 && (
          <datalist id={`${id}-list`}>
            {suggestions.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        )}
      </div>
    </div>
  );
}
