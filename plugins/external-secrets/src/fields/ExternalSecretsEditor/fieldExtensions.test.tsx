import { createExtensionTester } from '@backstage/frontend-test-utils';
import {
  ScaffolderFieldExtensions,
  useCustomFieldExtensions,
} from '@backstage/plugin-scaffolder-react';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import { renderInTestApp } from '@backstage/test-utils';
import plugin, { externalSecretsEditorFormField } from '../../alpha';
import { ExternalSecretsEditorFieldExtension } from '../../index';
import { ExternalSecretsEditor } from './ExternalSecretsEditor';
import { externalSecretsEditorValidation } from './validation';

describe('the ExternalSecretsEditor field in both frontend systems', () => {
  it('is a legacy field extension named as templates use it', async () => {
    let found: unknown[] = [];
    function Probe() {
      found = useCustomFieldExtensions(
        <ScaffolderFieldExtensions>
          <ExternalSecretsEditorFieldExtension />
        </ScaffolderFieldExtensions>,
      );
      return null;
    }
    await renderInTestApp(<Probe />);
    expect(found).toEqual([
      expect.objectContaining({
        name: 'ExternalSecretsEditor',
        component: ExternalSecretsEditor,
        validation: externalSecretsEditorValidation,
      }),
    ]);
  });

  it('is a New Frontend System form field of the plugin, attached to the scaffolder', async () => {
    expect(
      plugin.getExtension(
        'scaffolder-form-field:external-secrets/external-secrets-editor',
      ),
    ).toBeDefined();
    const tester = createExtensionTester(externalSecretsEditorFormField);
    const load = tester.get(FormFieldBlueprint.dataRefs.formFieldLoader);
    const field: any = await load();
    expect(field).toMatchObject({
      name: 'ExternalSecretsEditor',
      component: ExternalSecretsEditor,
      validation: externalSecretsEditorValidation,
    });
  });
});
