// The live panel: the 52 weights on the avatar as labelled bars grouped by face region (the
// channel table's groups and classes), and the emotion chips. Drawn at most 15 times a second.

/** Builds the bars; returns `draw(weights)`, which updates only the rows whose text changed. */
export function weightsPanel(container, table) {
  const rows = [];
  for (const group of table.groups) {
    const card = document.createElement('div');
    card.className = 'group';
    const title = document.createElement('h2');
    title.textContent = group;
    card.append(title);
    table.channels.forEach((channel, index) => {
      if (channel.group !== group) return;
      const row = document.createElement('div');
      row.className = 'row';
      row.dataset.channel = channel.name;
      row.dataset.class = channel.class;
      row.innerHTML = `<span class="name" title="${channel.name} (${channel.class})">${channel.name}</span>`
        + '<span class="track"><span class="bar"></span></span><span class="value">0.000</span>';
      card.append(row);
      rows.push({ index, row, bar: row.querySelector('.bar'), value: row.querySelector('.value'), text: '0.000' });
    });
    container.append(card);
  }
  return (weights) => {
    for (const entry of rows) {
      const w = weights[entry.index];
      const text = w.toFixed(3);
      if (text === entry.text) continue;
      entry.text = text;
      entry.value.textContent = text;
      entry.bar.style.width = `${(w * 100).toFixed(1)}%`;
      entry.row.classList.toggle('active', w >= 0.0005);
    }
  };
}

/** The 16 emotions as radio chips, one line per base family; calls `onChange(id)`. */
export function emotionChips(container, taxonomy, selected, onChange) {
  const families = taxonomy.emotions.filter((e) => e.family === e.id);
  for (const family of families) {
    const line = document.createElement('div');
    line.className = 'family';
    line.dataset.family = family.id;
    for (const emotion of taxonomy.emotions.filter((e) => e.family === family.id)) {
      const label = document.createElement('label');
      label.className = 'chip';
      label.title = emotion.description;
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = 'emotion';
      input.value = emotion.id;
      input.checked = emotion.id === selected;
      input.addEventListener('change', () => input.checked && onChange(emotion.id));
      const en = document.createElement('span');
      en.textContent = emotion.display.en;
      const ko = document.createElement('small');
      ko.lang = 'ko';
      ko.textContent = emotion.display.ko;
      label.append(input, en, ko);
      line.append(label);
    }
    container.append(line);
  }
}
