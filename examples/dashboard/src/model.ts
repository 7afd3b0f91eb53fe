import { createSlice, nanoid, type PayloadAction } from '@reduxjs/toolkit';
import { z } from 'zod';

export const ShotSchema = z.object({ id: z.string(), prompt: z.string().max(2000) });
export const PhraseSchema = z.object({ id: z.string(), speaker: z.string().max(80), text: z.string().max(1000) });
export const ProjectSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1).max(120),
  shots: z.array(ShotSchema),
  phrases: z.array(PhraseSchema),
});
/** The list of projects: a document of its own, so a new project reaches the other devices. */
export const WorkspaceSchema = z.object({
  projects: z.array(z.object({ id: z.string().min(1), title: z.string().min(1).max(120) })),
});

export type Shot = z.infer<typeof ShotSchema>;
export type Phrase = z.infer<typeof PhraseSchema>;
export type Project = z.infer<typeof ProjectSchema>;
export type Workspace = z.infer<typeof WorkspaceSchema>;

// Fixed ids, so two devices that start empty at the same time seed the same
// documents and their first pushes agree instead of conflicting.
export const SEED_PROJECTS: Project[] = [
  {
    id: 'harbour-teaser',
    title: 'Harbour at dawn — teaser',
    shots: [
      { id: 'shot-1', prompt: 'Wide shot: fishing boats leave a misty harbour at dawn, gulls overhead' },
      { id: 'shot-2', prompt: 'Close-up: weathered hands coil a wet rope on the deck' },
      { id: 'shot-3', prompt: 'Drone shot rising over the lighthouse as the sun breaks through' },
    ],
    phrases: [
      { id: 'line-1', speaker: 'Narrator', text: 'Every morning, before the town wakes…' },
      { id: 'line-2', speaker: 'Skipper', text: 'Tide waits for no one.' },
    ],
  },
  {
    id: 'product-walkthrough',
    title: 'Product walkthrough',
    shots: [
      { id: 'shot-1', prompt: 'Screen capture: the dashboard loads with three sample projects' },
      { id: 'shot-2', prompt: 'Macro shot of a cursor hovering over the Save indicator' },
    ],
    phrases: [{ id: 'line-1', speaker: 'Host', text: 'Nothing to save by hand: it is already saved.' }],
  },
];

export const SEED_WORKSPACE: Workspace = { projects: SEED_PROJECTS.map(({ id, title }) => ({ id, title })) };

export const emptyProject = (id: string, title: string): Project => ({ id, title, shots: [], phrases: [] });

export const workspaceSlice = createSlice({
  name: 'workspace',
  initialState: { current: null as Workspace | null },
  reducers: {
    workspaceLoaded(state, action: PayloadAction<Workspace>) {
      state.current = action.payload;
    },
    projectListed(state, action: PayloadAction<{ id: string; title: string }>) {
      state.current?.projects.push(action.payload);
    },
  },
});

export const projectSlice = createSlice({
  name: 'project',
  initialState: { current: null as Project | null },
  reducers: {
    projectLoaded(state, action: PayloadAction<Project>) {
      state.current = action.payload;
    },
    shotAdded: {
      reducer(state, action: PayloadAction<Shot>) {
        state.current?.shots.push(action.payload);
      },
      prepare: () => ({ payload: { id: `shot-${nanoid(8)}`, prompt: '' } }),
    },
    shotEdited(state, action: PayloadAction<{ id: string; prompt: string }>) {
      const shot = state.current?.shots.find((s) => s.id === action.payload.id);
      if (shot) shot.prompt = action.payload.prompt;
    },
    shotDeleted(state, action: PayloadAction<string>) {
      if (state.current) state.current.shots = state.current.shots.filter((s) => s.id !== action.payload);
    },
    phraseAdded: {
      reducer(state, action: PayloadAction<Phrase>) {
        state.current?.phrases.push(action.payload);
      },
      prepare: () => ({ payload: { id: `line-${nanoid(8)}`, speaker: '', text: '' } }),
    },
    phraseEdited(state, action: PayloadAction<{ id: string; speaker?: string; text?: string }>) {
      const phrase = state.current?.phrases.find((p) => p.id === action.payload.id);
      if (!phrase) return;
      if (action.payload.speaker !== undefined) phrase.speaker = action.payload.speaker;
      if (action.payload.text !== undefined) phrase.text = action.payload.text;
    },
    phraseDeleted(state, action: PayloadAction<string>) {
      if (state.current) state.current.phrases = state.current.phrases.filter((p) => p.id !== action.payload);
    },
  },
});

export const { workspaceLoaded, projectListed } = workspaceSlice.actions;
export const { projectLoaded, shotAdded, shotEdited, shotDeleted, phraseAdded, phraseEdited, phraseDeleted } =
  projectSlice.actions;
