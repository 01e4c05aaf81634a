"""The browser editor: workspace pages, the model editor page, and the live websocket
(model changes, export progress and presence) that keeps every open editor in step."""
