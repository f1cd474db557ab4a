// Progressive enhancement only: the page works without it. Keeps the input's hint in step
// with the chosen kind.
for (const radio of document.querySelectorAll('input[name="kind"]')) {
  radio.addEventListener("change", () => {
    const input = document.getElementById("value");
    if (radio.checked && input) {
      input.placeholder = radio.dataset.placeholder || input.placeholder;
      input.focus();
    }
  });
}
