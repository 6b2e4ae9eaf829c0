"""What the load benchmarks' customers write: questions the demo's knowledge answers, news
requests, thanks and chatter, as a desk's customers mix them."""

QUESTIONS = [
    "My VM does not boot after I resized it, the console shows a kernel panic. What can I do?",
    "How do I attach a second volume to my instance?",
    "Is there an update on this?",
    "The snapshot of my disk has been pending for an hour, is that normal?",
    "Thanks, I will try that.",
    "I cannot reach my server over SSH since this morning, the connection times out.",
    "How can I increase the quota of vCPUs for my project?",
    "ok",
]
