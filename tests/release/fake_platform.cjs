// Preloaded with `node -r` to make the npm launcher believe it runs elsewhere:
// FAKE_PLATFORM and FAKE_ARCH replace process.platform and process.arch.
"use strict";
if (process.env.FAKE_PLATFORM) Object.defineProperty(process, "platform", { value: process.env.FAKE_PLATFORM });
if (process.env.FAKE_ARCH) Object.defineProperty(process, "arch", { value: process.env.FAKE_ARCH });
