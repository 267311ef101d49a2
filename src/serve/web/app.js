"use strict";
// Placeholder until the page lands: the job list as text.
fetch("/api/jobs").then((r) => r.json()).then((data) => {
  const app = document.getElementById("app");
  for (const job of data.jobs) {
    const line = document.createElement("p");
    line.textContent = `${job.id} ${job.state} ${job.title}`;
    app.appendChild(line);
  }
});
