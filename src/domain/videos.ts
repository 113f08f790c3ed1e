// Media-driven listings: a product or variant may carry YouTube videos. Partners paste links in
// whatever form their PIM holds; the sandbox finds the video id in any common form and derives
// the rest. The thumbnail URL is only reported, never fetched, and the title and duration are
// faked from the id, so the same link always yields the same video and nothing touches the network.
import type { Video } from './types.ts';

const VIDEO_ID = /^[A-Za-z0-9_-]{11}$/;
const YOUTUBE_HOSTS = new Set(['youtube.com', 'youtube-nocookie.com']);
/** Path forms that carry the id as the segment after them: /embed/<id>, /shorts/<id>, … */
const ID_AFTER = new Set(['embed', 'shorts', 'live', 'v', 'e']);

export const ACCEPTED_FORMS =
  'https://www.youtube.com/watch?v=<id>, https://youtu.be/<id>, https://www.youtube.com/shorts/<id>, /embed/<id>, /live/<id>, youtube-nocookie.com/embed/<id> (11-character id)';

/** The 11-character video id of a YouTube link, or null when the link is not one. */
export function youTubeVideoId(link: string): string | null {
  const trimmed = link.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const host = url.hostname.toLowerCase().replace(/^(www|m|music)\./, '');
  const segments = url.pathname.split('/').filter(Boolean);
  let id: string | null | undefined = null;
  if (host === 'youtu.be') {
    id = segments[0];
  } else if (YOUTUBE_HOSTS.has(host)) {
    if (segments[0] === 'watch') id = url.searchParams.get('v');
    else if (segments[0] && ID_AFTER.has(segments[0])) id = segments[1];
  }
  return id && VIDEO_ID.test(id) ? id : null;
}

// FNV-1a: a stable 32-bit number from the id, the source of every faked detail.
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const OPENERS = ['Unboxing', 'First look', 'Hands-on', 'In detail', 'Quick tour', 'Review', 'How to use', 'Setup guide'];
const SUBJECTS = ['the essentials', 'everyday use', 'what is in the box', 'features and specs', 'care and cleaning', 'tips and tricks'];

export function describeVideo(link: string, id: string): Video {
  const h = hash(id);
  return {
    video_url: link,
    video_id: id,
    thumbnail_url: `https://i.ytimg.com/vi/${id}/hqdefault.jpg`,
    title: `${OPENERS[h % OPENERS.length]}: ${SUBJECTS[(h >>> 8) % SUBJECTS.length]}`,
    duration_seconds: 20 + ((h >>> 16) % 581), // 20 s to 10 min
  };
}
